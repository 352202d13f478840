data "proximity_nodes" "all" {}

# The online node with the most free memory.
output "roomiest_node" {
  value = one([
    for n in data.proximity_nodes.all.nodes : n.name
    if n.memory_free == max([for m in data.proximity_nodes.all.nodes : m.memory_free if m.online]...)
  ])
}
