data "proximity_catalog_app" "nextcloud" {
  id = "nextcloud"
}

output "nextcloud_needs" {
  value = {
    memory_mb = data.proximity_catalog_app.nextcloud.min_memory
    cores     = data.proximity_catalog_app.nextcloud.min_cpu
    disk_gb   = data.proximity_catalog_app.nextcloud.min_disk
    services  = data.proximity_catalog_app.nextcloud.services
  }
}
