# Nextcloud with PostgreSQL and Redis, in one container of its own.
resource "proximity_application" "cloud" {
  catalog_id = "nextcloud"
  hostname   = "cloud"
  memory     = 4096
  disk_gb    = 50

  environment = {
    DB_PASSWORD              = var.db_password
    NEXTCLOUD_ADMIN_PASSWORD = var.admin_password
  }

  tags        = ["files"]
  description = "Family files and calendars"
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "admin_password" {
  type      = string
  sensitive = true
}

output "cloud_url" {
  value = proximity_application.cloud.url
}
