# Import an existing allocation by its public port.
terraform import proximity_port_allocation.web 8105
