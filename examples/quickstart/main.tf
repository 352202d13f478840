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

# A single-service app and a multi-service one (WordPress with MariaDB).
resource "proximity_application" "tools" {
  catalog_id = "it-tools"
  hostname   = "tools"
}

resource "proximity_application" "blog" {
  catalog_id = "wordpress"
  hostname   = "blog"
  secret_environment = {
    DB_PASSWORD = "demo-only-password"
  }
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
      url   = a.url
      node  = a.node
      vmid  = a.vmid
      ports = "${a.public_port}/${a.internal_port}"
    }
  }
}

output "blog_backup" {
  description = "The blog's backup archive."
  value       = "${proximity_backup.blog.volid} (${proximity_backup.blog.size} bytes)"
}
