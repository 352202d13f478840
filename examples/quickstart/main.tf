# Quickstart: run `make demo` to apply this against the built-in simulator,
# or set PROXIMITY_ENDPOINT, PROXIMITY_API_TOKEN (and PROXIMITY_CA_CERT_PEM),
# PROXIMITY_SSH_PRIVATE_KEY and the variables below to point it at a real
# Proxmox VE cluster.
terraform {
  required_providers {
    proximity = {
      source = "registry.terraform.io/proximity-project/proximity"
    }
  }
}

variable "ssh_host_key" {
  description = "The nodes' SSH host key (authorized_keys line); null to use ~/.ssh/known_hosts."
  type        = string
  default     = null
}

variable "ssh_nodes" {
  description = "SSH address per node, when /cluster/status does not give the right one."
  type        = map(string)
  default     = {}
}

# Credentials come from the PROXIMITY_* environment variables.
provider "proximity" {
  ssh = {
    host_key = var.ssh_host_key
    nodes    = var.ssh_nodes
  }
}

data "proximity_nodes" "cluster" {}

data "proximity_catalog" "store" {}

# The gateway serves every app on its public port (url) and, with framing
# allowed, on its internal port (embed_url).
resource "proximity_gateway" "main" {}

# A single-service app and a multi-service one (WordPress with MariaDB).
# They depend on the gateway so that their first apply already gives
# gateway URLs; without it they would get them at their next refresh.
resource "proximity_application" "tools" {
  catalog_id = "it-tools"
  hostname   = "tools"
  depends_on = [proximity_gateway.main]
}

resource "proximity_application" "blog" {
  catalog_id = "wordpress"
  hostname   = "blog"
  secret_environment = {
    DB_PASSWORD = "demo-only-password"
  }
  depends_on = [proximity_gateway.main]
}

# A backup of the blog, which could be restored with restore_from.
resource "proximity_backup" "blog" {
  application_id = proximity_application.blog.id
  notes          = "made by the quickstart"
}

output "nodes" {
  description = "Every node with its size."
  value = {
    for n in data.proximity_nodes.cluster.nodes : n.name => {
      online     = n.online
      cpus       = n.cpus
      memory_gib = floor(n.memory_total / 1073741824)
    }
  }
}

output "catalog" {
  description = "Apps per category in the catalog."
  value       = { for c in data.proximity_catalog.store.categories : c.name => c.count }
}

output "apps" {
  description = "Where the apps run."
  value = {
    for a in [proximity_application.tools, proximity_application.blog] : a.hostname => {
      url        = a.url
      embed_url  = a.embed_url
      direct_url = a.direct_url
      node       = a.node
      vmid       = a.vmid
      ports      = "${a.public_port}/${a.internal_port}"
    }
  }
}

output "gateway" {
  description = "The gateway's address and what it serves, by public port."
  value = {
    address = proximity_gateway.main.ip_address
    routes  = { for port, r in proximity_gateway.main.routes : port => "CT ${r.vmid} at ${r.backend}" }
  }
}

output "blog_backup" {
  description = "The blog's backup archive."
  value       = "${proximity_backup.blog.volid} (${proximity_backup.blog.size} bytes)"
}
