# One gateway serves every Proximity app of the cluster on its port pair.
resource "proximity_gateway" "main" {
  node = "pve1"
  # A static address keeps every app's url the same across restarts.
  ip_config = {
    address = "192.168.1.40/24"
    gateway = "192.168.1.1"
  }
}

# Apps that depend on the gateway get their gateway URLs at once; others
# get them at their next refresh.
resource "proximity_application" "wiki" {
  catalog_id = "bookstack"
  hostname   = "wiki"
  depends_on = [proximity_gateway.main]
}

output "wiki" {
  value = {
    url        = proximity_application.wiki.url        # http://192.168.1.40:<public_port>
    embed_url  = proximity_application.wiki.embed_url  # http://192.168.1.40:<internal_port>, framing allowed
    direct_url = proximity_application.wiki.direct_url # the container's own address
  }
}
