"""AC-6 between Kubernetes and AWS: the rendered manifests and deploy/terraform/iam.tf agree on
who may read what, and the backup namespace's secrets are out of the service's reach.

- Every IRSA role in iam.tf trusts a service account that exists in the rendered manifests,
  in the namespace the trust names, and that service account is annotated with that role;
  no other service account is annotated with a role.
- Each namespace's SecretStore authenticates as a service account whose role may read a list
  of Secrets Manager secrets (its entry in local.secret_readers); every
  ExternalSecret of that namespace asks only for secrets in that list. A manifest that asks
  for more would fail in production (IAM denies it); an IAM policy that allowed it would
  break the isolation.
- The two lists share nothing, and namespace helio reads no backup secret.
With --expect-refusal, the manifests are a deliberately bad copy and must be refused.

Usage: irsa.py RENDERED.yaml IAM.tf [--expect-refusal]  (python from the checkov venv: hcl2)"""
import sys

import hcl2
import yaml

SERVICE_NAMESPACE = "helio"


def unwrap(value):
    """python-hcl2 wraps some values in one-element lists, depending on its version."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def terraform_facts(path):
    """The IRSA roles' trusts, and which secrets each reader role may read (its policy is made
    from local.secret_readers, one for_each entry per role)."""
    tf = hcl2.load(open(path))
    locals_ = {}
    for block in tf.get("locals", []):
        locals_.update({k: unwrap(v) for k, v in block.items() if not k.startswith("__")})
    roles = unwrap(locals_["irsa_roles"])
    readable = {role: set(unwrap(names)) for role, names in unwrap(locals_["secret_readers"]).items()}
    return roles, readable


def problems(docs, roles, readable):
    found = [f"secret reader {role} is not an IRSA role" for role in readable if role not in roles]
    accounts = {
        (d["metadata"].get("namespace"), d["metadata"]["name"]): d
        for d in docs
        if d.get("kind") == "ServiceAccount"
    }
    annotated = {
        key: (d.get("metadata", {}).get("annotations") or {}).get("eks.amazonaws.com/role-arn")
        for key, d in accounts.items()
    }
    role_of_account = {}
    for role, trust in roles.items():
        key = (trust["namespace"], trust["service_account"])
        if key not in accounts:
            found.append(f"IRSA role {role} trusts {key[0]}/{key[1]}, which is not rendered")
            continue
        arn = annotated.get(key) or ""
        if not arn.endswith(f":role/helio-{role}"):
            found.append(f"{key[0]}/{key[1]} is annotated {arn or 'with no role'}, not helio-{role}")
        role_of_account[key] = role
    for key, arn in annotated.items():
        if arn and key not in role_of_account:
            found.append(f"{key[0]}/{key[1]} is annotated with {arn}, which no IRSA role trusts it for")
    stores = {}
    for d in docs:
        if d.get("kind") == "SecretStore":
            namespace = d["metadata"].get("namespace")
            account = d["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"]["name"]
            stores[(namespace, d["metadata"]["name"])] = readable.get(
                role_of_account.get((namespace, account)), set()
            )
    for d in docs:
        if d.get("kind") != "ExternalSecret":
            continue
        namespace = d["metadata"].get("namespace")
        store = (namespace, d["spec"]["secretStoreRef"]["name"])
        allowed = stores.get(store)
        if allowed is None:
            found.append(f"ExternalSecret {namespace}/{d['metadata']['name']} uses a store that is not rendered")
            continue
        for item in d["spec"].get("data", []):
            remote = item["remoteRef"]["key"]
            if remote.removeprefix("helio/") not in allowed:
                found.append(
                    f"ExternalSecret {namespace}/{d['metadata']['name']} asks for {remote}, which its store's role may not read"
                )
            if namespace == SERVICE_NAMESPACE and remote.startswith("helio/backup"):
                found.append(f"namespace {SERVICE_NAMESPACE} asks for the backup secret {remote}")
    lists = list(readable.values())
    for i, first in enumerate(lists):
        for second in lists[i + 1 :]:
            if first & second:
                found.append(f"two reader roles share {sorted(first & second)}")
    return found


def main():
    docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
    roles, readable = terraform_facts(sys.argv[2])
    found = problems(docs, roles, readable)
    for problem in found:
        print(f"irsa: {problem}")
    if "--expect-refusal" in sys.argv:
        sys.exit(0 if found else 1)
    externals = sum(1 for d in docs if d.get("kind") == "ExternalSecret")
    print(f"irsa: {len(roles)} IRSA roles, {externals} ExternalSecrets, {len(found)} problems")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
