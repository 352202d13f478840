data "proximity_port_usage" "now" {}

output "public_ports_left" {
  value = data.proximity_port_usage.now.public.free
}

output "allocations" {
  value = { for a in data.proximity_port_usage.now.allocations : a.public_port => a.owner }
}
