# Nextcloud with PostgreSQL and Redis, in one container of its own.
resource "proximity_application" "cloud" {
  catalog_id = "nextcloud"
  hostname   = "cloud"
  memory     = 4096
  disk_gb    = 50

  # Values plans must not show; ordinary settings go in environment, which
  # plans show.
  secret_environment = {
    DB_PASSWORD              = var.db_password
    NEXTCLOUD_ADMIN_PASSWORD = var.admin_password
  }

  # Root's password in the container, kept out of the state (Terraform or
  # OpenTofu 1.11+); bump the version to set a new one in place.
  password_wo         = var.root_password
  password_wo_version = 1

  tags        = ["files"]
  description = "Family files and calendars"

  # GET /status.php (the catalog's health path) inside the container at
  # create and at every refresh: while it fails, status reads "degraded".
  health_check = {}

  # Started first when its node boots (order), 30 s before the next guest.
  startup = { order = 1, up = 30 }
}

variable "root_password" {
  type      = string
  sensitive = true
  ephemeral = true
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
