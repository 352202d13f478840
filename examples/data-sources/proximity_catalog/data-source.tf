# Every app that offers single sign-on.
data "proximity_catalog" "sso" {
  tag = "sso"
}

# The whole store, with how many apps each category holds.
data "proximity_catalog" "all" {}

output "sso_apps" {
  value = [for a in data.proximity_catalog.sso.apps : "${a.name} ${a.version}"]
}

output "categories" {
  value = { for c in data.proximity_catalog.all.categories : c.name => c.count }
}
