# Your own configuration against the Proxmox VE simulator. Start it from the
# repository's root with `make sim`: it keeps its state in .pvesim/ and writes
# the connection details to .pvesim/info.json (mode 0600) once it listens.
# Then, in this folder: terraform init, plan, apply. In a configuration of
# your own, start the simulator with `-info` and point simulator_info at
# that file.
terraform {
  required_providers {
    proximity = {
      source = "registry.terraform.io/proximity-project/proximity"
    }
  }
}

variable "simulator_info" {
  description = "The simulator's -info file, relative to where terraform runs."
  type        = string
  default     = "../../.pvesim/info.json"
}

locals {
  sim = jsondecode(file(var.simulator_info))
}

provider "proximity" {
  endpoint = local.sim.endpoint
  # terraform@pve!proximity with PVEAdmin, as the README's pveum lines make
  # on a real cluster; api_token is root@pam's.
  api_token   = local.sim.pveadmin_api_token
  ca_cert_pem = local.sim.ca_cert_pem

  ssh = {
    private_key = local.sim.ssh_private_key
    host_key    = local.sim.ssh_host_key
    # Every simulated node's SSH is on 127.0.0.1, one port each.
    nodes = local.sim.ssh_nodes
  }
}

resource "proximity_application" "tools" {
  catalog_id = "it-tools"
  hostname   = "tools"
}

output "tools_url" {
  value = proximity_application.tools.url
}
