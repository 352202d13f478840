# Import by node and VMID, or by the VMID alone. Only a container Proximity
# made as the gateway (tags proximity and px-gateway) is accepted.
terraform import proximity_gateway.main pve1/120
terraform import proximity_gateway.main 120
