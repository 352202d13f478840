# The lowest free pair in the provider's ranges.
resource "proximity_port_allocation" "wiki" {
  owner = "wiki.example.com"
}

# A chosen public port; the plan fails if it is outside public_port_range,
# the apply if another allocation or container holds it.
resource "proximity_port_allocation" "git" {
  public_port = 8123
  owner       = "git.example.com"
}

output "wiki_ports" {
  value = "${proximity_port_allocation.wiki.public_port}/${proximity_port_allocation.wiki.internal_port}"
}
