package provider

import (
	"os"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// resolveCACert is the PEM of the CA the API's certificate is checked
// against: ca_cert_pem or the file ca_cert_file names from the provider
// block (which cannot set both), else PROXIMITY_CA_CERT_PEM or the file
// PROXIMITY_CA_CERT_FILE names. The block wins over the environment, so a
// CI variable never overrides what a configuration pins.
func resolveCACert(cfg providerModel, env envLookup, diags *diag.Diagnostics) string {
	if v, _ := pick(cfg.CACertPEM, env); v != "" {
		return v // validated with the configuration
	}
	if file, _ := pick(cfg.CACertFile, env); file != "" {
		return readCACertFile(file, "ca_cert_file", diags)
	}
	pem, pemFrom := pick(cfg.CACertPEM, env, "PROXIMITY_CA_CERT_PEM")
	file, fileFrom := pick(cfg.CACertFile, env, "PROXIMITY_CA_CERT_FILE")
	switch {
	case pem != "" && file != "":
		diags.AddAttributeError(path.Root("ca_cert_file"), "Conflicting CA certificates",
			"Both "+pemFrom+" and "+fileFrom+" are set; unset one of them.")
		return ""
	case file != "":
		return readCACertFile(file, fileFrom, diags)
	}
	checkEnv(diags, "ca_cert_pem", pem, pemFrom, checkCertificatePEM)
	return pem
}

// readCACertFile reads the CA certificate file that source (the attribute
// or the environment variable) names, and says what is wrong with it.
func readCACertFile(file, source string, diags *diag.Diagnostics) string {
	at := path.Root("ca_cert_file")
	content, err := os.ReadFile(file) //nolint:gosec // the user names the file on purpose
	if err != nil {
		diags.AddAttributeError(at, "Unable to read the CA certificate file",
			source+" names "+file+", which cannot be read ("+err.Error()+"). Write the path of a PEM file holding the cluster's CA "+
				"certificate, a copy of /etc/pve/pve-root-ca.pem from a node.")
		return ""
	}
	if problem := certificateProblem(source+" ("+file+")", string(content)); problem != "" {
		diags.AddAttributeError(at, "Invalid CA certificate file", problem)
		return ""
	}
	return string(content)
}
