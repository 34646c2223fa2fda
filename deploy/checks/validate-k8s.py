#!/usr/bin/env python3
"""Validates rendered Kubernetes manifests against the Kubernetes JSON schemas bundled by the
kubernetes-validate package, strictly (an unknown field fails), for one pinned Kubernetes
version.

Custom resources (External Secrets, Prometheus Operator) have no schema in that bundle. They
are not silently passed: each kind is allowed only with the apiVersion named below, is
printed as SKIPPED (schema), and must still have a name. Any other kind without a schema fails.

Usage: validate-k8s.py KUBERNETES_VERSION FILE...
"""
import sys

import kubernetes_validate
import yaml

# kind -> the one apiVersion the manifests may use for it (the CRD versions deployed).
CRD_KINDS = {
    "ExternalSecret": "external-secrets.io/v1beta1",
    "SecretStore": "external-secrets.io/v1beta1",
    "ServiceMonitor": "monitoring.coreos.com/v1",
    "PrometheusRule": "monitoring.coreos.com/v1",
}


def main() -> int:
    version, files = sys.argv[1], sys.argv[2:]
    failures = checked = skipped = 0
    for path in files:
        with open(path, encoding="utf-8") as handle:
            documents = [d for d in yaml.safe_load_all(handle) if d is not None]
        for doc in documents:
            kind = doc.get("kind", "?")
            api = doc.get("apiVersion", "?")
            name = (doc.get("metadata") or {}).get("name")
            label = f"{kind}/{name} ({api})"
            if not name:
                print(f"FAIL   {path}: {label}: no metadata.name")
                failures += 1
                continue
            if kind in CRD_KINDS:
                if api != CRD_KINDS[kind]:
                    print(f"FAIL   {label}: {kind} must be {CRD_KINDS[kind]}")
                    failures += 1
                else:
                    print(f"SKIPPED (schema: custom resource, apiVersion checked) {label}")
                    skipped += 1
                continue
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                print(f"FAIL   {label}: no schema for this kind in Kubernetes {version}")
                failures += 1
                continue
            except kubernetes_validate.ValidationError as error:
                where = "/".join(str(p) for p in error.path)
                print(f"FAIL   {label}: {where}: {error.message}")
                failures += 1
                continue
            checked += 1
    print(f"{checked} valid against Kubernetes {version} (strict), "
          f"{skipped} custom resources skipped, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
