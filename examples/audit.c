/* SPDX-License-Identifier: MIT */
/*
 * Audits ruleset files (iptables-save, nft -j, pf.conf) against the plan of
 * the built-in spec with the default profile, in host mode
 * (libportspec-audit(3)).
 *
 *   audit FILE...    e.g. iptables-save > r.v4; audit r.v4
 *
 * Prints the audit and exits 0 when it is clean, 1 on findings, 2 when a
 * file cannot be read.
 */
#include <stdio.h>

#include <portspec/audit.h>

static int to_stdout(void *userdata, const char *data, size_t len)
{
	(void)userdata;
	return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_ruleset *rs = NULL;
	struct portspec_audit *audit = NULL;
	struct portspec_error err = {0};
	char msg[1024];
	int rc = 2;

	if (portspec_spec_new_default(&spec, &err) || portspec_policy_new(spec, NULL, &policy, &err) ||
	    portspec_ruleset_new(&rs))
		goto out;
	for (int i = 1; i < argc; i++)
		if (portspec_ruleset_load(rs, PORTSPEC_RULESET_AUTO, argv[i], &err))
			goto out;
	if (portspec_audit_new(policy, PORTSPEC_MODE_HOST, rs, &audit, &err))
		goto out;
	if (portspec_audit_write(audit, PORTSPEC_AUDIT_TEXT, to_stdout, NULL) == PORTSPEC_OK)
		rc = portspec_audit_clean(audit) ? 0 : 1;
out:
	if (err.status != PORTSPEC_OK)
		fprintf(stderr, "%s\n", portspec_error_format(&err, msg, sizeof(msg)));
	else if (rc == 2)
		fprintf(stderr, "audit: out of memory or cannot write the output\n");
	portspec_audit_free(audit); /* before the policy it points into */
	portspec_ruleset_free(rs);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return rc;
}
