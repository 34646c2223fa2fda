# IRSA roles for the two Kubernetes service accounts that call AWS (deploy/k8s). Each trusts
# one service account of namespace helio only, and may use only its own secrets and key.
# Reviewed quarterly (docs/operations/access-review.md).
locals {
  k8s_namespace = "helio"
  irsa_roles = {
    external-secrets-reader = "helio-secrets-reader"
    backup-uploader         = "helio-backup"
  }
}

data "aws_iam_policy_document" "irsa_assume" {
  for_each = local.irsa_roles
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = ["system:serviceaccount:${local.k8s_namespace}:${each.value}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "irsa" {
  for_each             = local.irsa_roles
  name                 = "${var.name}-${each.key}"
  assume_role_policy   = data.aws_iam_policy_document.irsa_assume[each.key].json
  max_session_duration = 3600
}

# External Secrets Operator (SecretStore aws-secrets-manager): read helio/* and decrypt them.
data "aws_iam_policy_document" "external_secrets_reader" {
  statement {
    sid       = "ReadHelioSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:helio/*"]
  }
  statement {
    sid       = "DecryptWithTheSecretsKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.secrets.arn]
  }
}

resource "aws_iam_role_policy" "external_secrets_reader" {
  name   = "read-helio-secrets"
  role   = aws_iam_role.irsa["external-secrets-reader"].id
  policy = data.aws_iam_policy_document.external_secrets_reader.json
}

# The backup CronJob's upload: write new objects under helio/ (with their retention tag) and
# encrypt them with the backup key. No read, list, delete or retention change.
data "aws_iam_policy_document" "backup_uploader" {
  statement {
    sid       = "PutBackupsOnly"
    actions   = ["s3:PutObject", "s3:PutObjectTagging"]
    resources = ["${aws_s3_bucket.backups.arn}/helio/*"]
  }
  statement {
    sid       = "EncryptWithTheBackupKey"
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.backup.arn]
  }
}

resource "aws_iam_role_policy" "backup_uploader" {
  name   = "put-helio-backups"
  role   = aws_iam_role.irsa["backup-uploader"].id
  policy = data.aws_iam_policy_document.backup_uploader.json
}

# The secrets themselves. Values are put by an operator (aws secretsmanager put-secret-value),
# never by Terraform, so no secret is in this code or its state. JSON objects, one property
# per Kubernetes Secret key (deploy/k8s/base/external-secrets.yaml).
resource "aws_secretsmanager_secret" "helio" {
  # checkov:skip=CKV2_AWS_57: no Lambda rotation: database credentials and keys are rotated by the runbook (docs/operations/key-rotation.md), because helio's master keys cannot be replaced by a rotation function without re-encryption (`helio keys rotate`)
  for_each                = toset(["runtime", "master-keys", "migrate", "backup", "backup-keys", "backup-keys-previous"])
  name                    = "helio/${each.key}"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 30
}
