"""AC-6 for people: the rendered RBAC gives engineers read-only access without secrets, exec,
attach or port-forward, binds nobody to cluster-admin, grants no wildcard, and binds nothing
but the engineers' read-only role in namespace helio-backup, where the backup keys are (so
CI's deploy role, which may create Jobs, can never mount them). checkov has
no check for these, so they are checked here. With --expect-refusal, the file is a
deliberately bad copy and must be refused (the check can fail).

Usage: rbac.py RENDERED.yaml [--expect-refusal]"""
import sys

import yaml

ENGINEERS = "helio-engineers-read-only"
READ_VERBS = {"get", "list", "watch"}
BACKUP_NAMESPACE = "helio-backup"
FORBIDDEN = {"secrets", "pods/exec", "pods/attach", "pods/portforward", "serviceaccounts/token"}


def problems(docs):
    found = []
    roles = [d for d in docs if d.get("kind") in ("Role", "ClusterRole")]
    bindings = [d for d in docs if d.get("kind") in ("RoleBinding", "ClusterRoleBinding")]
    if not any(r["metadata"]["name"] == ENGINEERS for r in roles):
        found.append(f"no {ENGINEERS} role")
    for binding in bindings:
        if binding["roleRef"]["name"] in ("cluster-admin", "admin", "edit"):
            found.append(f"{binding['metadata']['name']} binds {binding['roleRef']['name']}")
    for binding in bindings:
        if binding["metadata"].get("namespace") == BACKUP_NAMESPACE and binding["roleRef"]["name"] != ENGINEERS:
            found.append(
                f"{binding['metadata']['name']} binds {binding['roleRef']['name']} in {BACKUP_NAMESPACE}"
            )
    for role in roles:
        name = role["metadata"]["name"]
        for rule in role.get("rules", []):
            for field in ("verbs", "resources", "apiGroups"):
                if "*" in rule.get(field, []):
                    found.append(f"{name} grants * in {field}")
            if name == ENGINEERS:
                extra = set(rule.get("verbs", [])) - READ_VERBS
                if extra:
                    found.append(f"{name} grants {sorted(extra)}")
                for resource in set(rule.get("resources", [])) & FORBIDDEN:
                    found.append(f"{name} grants {resource}")
    return found


def main():
    docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
    expect_refusal = "--expect-refusal" in sys.argv
    found = problems(docs)
    for problem in found:
        print(f"rbac: {problem}")
    if expect_refusal:
        sys.exit(0 if found else 1)
    print(f"rbac: {len([d for d in docs if d.get('kind', '').endswith(('Role', 'RoleBinding'))])} RBAC documents, {len(found)} problems")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
