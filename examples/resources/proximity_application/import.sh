# Import by node and VMID, or by the VMID alone (the node is found in the
# cluster). A container Proximity created comes back with its app, ports
# (as port_allocation_id when they are a proximity_port_allocation's) and
# environment. Any other container comes in without an app: set catalog_id
# in the configuration, and the next apply deploys that app into it in place
# (the plan shows what changes). Docker needs nesting=1: a container without
# it gets it, through the API for an unprivileged container and with
# `pct set` as root over SSH for a privileged one (PVE lets only root@pam
# change a privileged container's feature flags), and the plan warns of it.
terraform import proximity_application.cloud pve2/123
terraform import proximity_application.cloud 123
