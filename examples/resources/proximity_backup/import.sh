# Import an archive by its volid; the provider finds the node that has it.
terraform import proximity_backup.before_upgrade local:backup/vzdump-lxc-101-2026_11_25-10_00_00.tar.zst
