# Import by node and VMID. A container Proximity created comes back with its
# app and ports. Any other container comes in without an app: set catalog_id
# in the configuration, and the next apply deploys that app into it in place
# (the plan shows what changes).
terraform import proximity_application.cloud pve2/123
