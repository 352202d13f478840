# Quickstart: run `make demo` to apply this against the built-in simulator,
# or set PROXIMITY_ENDPOINT, PROXIMITY_API_TOKEN (and PROXIMITY_CA_CERT_PEM)
# to point it at a real Proxmox VE cluster.
terraform {
  required_providers {
    proximity = {
      source = "registry.terraform.io/proximity-project/proximity"
    }
  }
}

# Everything comes from the PROXIMITY_* environment variables.
provider "proximity" {}

data "proximity_nodes" "cluster" {}

data "proximity_catalog" "store" {}

data "proximity_catalog_app" "wordpress" {
  id = "wordpress"
}

# A unique public/internal port pair for the app, safe across concurrent applies.
resource "proximity_port_allocation" "wordpress" {
  owner = "wordpress"
}

output "nodes" {
  description = "Every node with its free memory in MiB."
  value = {
    for n in data.proximity_nodes.cluster.nodes : n.name => {
      online          = n.online
      cpus            = n.cpus
      memory_free_mib = floor(n.memory_free / 1048576)
    }
  }
}

output "roomiest_node" {
  description = "Where a new app would go by default."
  value = one([
    for n in data.proximity_nodes.cluster.nodes : n.name
    if n.memory_free == max([for m in data.proximity_nodes.cluster.nodes : m.memory_free if m.online]...)
  ])
}

output "catalog" {
  description = "Apps per category in the catalog."
  value       = { for c in data.proximity_catalog.store.categories : c.name => c.count }
}

output "wordpress" {
  description = "What deploying WordPress would take."
  value = {
    version   = data.proximity_catalog_app.wordpress.version
    services  = data.proximity_catalog_app.wordpress.services
    memory_mb = data.proximity_catalog_app.wordpress.min_memory
    ports     = "${proximity_port_allocation.wordpress.public_port}/${proximity_port_allocation.wordpress.internal_port}"
  }
}
