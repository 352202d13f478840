package provider

import (
	"errors"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// reachRemedy maps the errors of reaching the cluster, the API and the
// nodes' SSH servers, onto the provider attribute that decides them. They
// are causes: whatever wraps them (a node's address being resolved, a
// deployment step) is not what to change.
func reachRemedy(err error) (remedy, bool) {
	var (
		conn        *pveclient.ConnectionError
		credentials *pveclient.CredentialsError
		sshAuth     *nodeshell.AuthError
		sshReach    *nodeshell.UnreachableError
	)
	switch {
	case errors.As(err, &conn):
		return endpointRemedy(conn.Problem), true
	case errors.As(err, &credentials) && credentials.Token:
		return remedy{path.Root("api_token"), true, "check api_token in the provider block: USER@REALM!TOKENID=SECRET of a token that exists " +
			"(pveum user token list USER), with the secret pveum printed when the token was made"}, true
	case errors.As(err, &credentials):
		return remedy{path.Root("password"), true, "check username and password (and otp) in the provider block"}, true
	case errors.As(err, &sshAuth) && len(sshAuth.Offered) > 0:
		return sshAuthRemedy(sshAuth.Offered), true
	case errors.As(err, &sshReach):
		return remedy{path.Root("ssh").AtName("nodes"), true, "check the node's SSH address (ssh.nodes, or ssh.port with the address the " +
			"cluster status gives) and that sshd runs there"}, true
	}
	return remedy{}, false
}

func endpointRemedy(problem pveclient.ReachProblem) remedy {
	at := path.Root("endpoint")
	switch problem {
	case pveclient.ReachRefused:
		return remedy{at, true, "check endpoint in the provider block: the Proxmox API listens on port 8006 of every node (https://HOST:8006)"}
	case pveclient.ReachNoSuchHost:
		return remedy{at, true, "check the host name in endpoint in the provider block"}
	}
	return remedy{at, true, "check endpoint in the provider block and that the node is up; the provider's retry block sets the attempts and waits"}
}

// sshAuthRemedy names the credential the node refused.
func sshAuthRemedy(offered []string) remedy {
	ssh := path.Root("ssh")
	switch {
	case slices.Equal(offered, []string{"PrivateKey"}):
		return remedy{ssh.AtName("private_key"), true, "the node does not accept ssh.private_key: add its public key to the user's " +
			"~/.ssh/authorized_keys on the node (on a cluster, /etc/pve/priv/authorized_keys serves every node), or give the key that is there"}
	case slices.Equal(offered, []string{"Password"}):
		return remedy{ssh.AtName("password"), true, "the node does not accept ssh.password: check it, and that the node's sshd allows " +
			"password logins for the user"}
	case slices.Equal(offered, []string{"Agent"}):
		return remedy{ssh.AtName("agent"), true, "the node accepts none of the ssh-agent's keys: add one to the user's ~/.ssh/authorized_keys " +
			"on the node, or give ssh.private_key"}
	}
	return remedy{ssh, true, "the node accepts none of ssh.private_key, ssh.password and the ssh-agent's keys; check them"}
}
