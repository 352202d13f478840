# Every archive of an application, newest first.
data "proximity_backups" "cloud" {
  application_id = proximity_application.cloud.id
}

output "latest_cloud_backup" {
  value = try(data.proximity_backups.cloud.backups[0].volid, null)
}
