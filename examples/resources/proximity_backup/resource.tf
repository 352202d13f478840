# A backup of an application before an upgrade, kept from pruning.
resource "proximity_backup" "before_upgrade" {
  application_id = proximity_application.cloud.id
  mode           = "snapshot" # or suspend, or stop (the app stops for the backup)
  compress       = "zstd"
  notes          = "Nextcloud before the 30.0 upgrade"
  protected      = true # set to false and apply before destroying it
}

# Restore it into a new application beside the original...
resource "proximity_application" "cloud_test" {
  catalog_id   = "nextcloud"
  hostname     = "cloud-test"
  restore_from = proximity_backup.before_upgrade.volid
}

# ...or over the original, in place, by setting restore_from on it to a volid
# (from the proximity_backups data source, or written out).
