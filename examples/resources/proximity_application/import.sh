# Import a container Proximity created, by node and VMID.
terraform import proximity_application.cloud pve2/123
