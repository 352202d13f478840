# Connect with an API token (recommended). Create one on a node with:
#   pveum user add terraform@pve
#   pveum aclmod / -user terraform@pve -role PVEAdmin
#   pveum user token add terraform@pve proximity --privsep 0
provider "proximity" {
  endpoint    = "https://pve.example.com:8006"
  api_token   = var.proxmox_api_token   # terraform@pve!proximity=<secret>
  ca_cert_pem = file("pve-root-ca.pem") # /etc/pve/pve-root-ca.pem on a node

  # Deploying apps runs pct on the nodes over SSH; host keys are verified.
  ssh = {
    private_key      = file("~/.ssh/id_ed25519")
    known_hosts_file = "~/.ssh/known_hosts"
  }
}

variable "proxmox_api_token" {
  type      = string
  sensitive = true
}
