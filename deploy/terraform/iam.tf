# IRSA roles for the Kubernetes service accounts that call AWS (deploy/k8s). Each trusts one
# service account of one namespace only, and may use only its own secrets and key: the
# service's namespace (helio) can never read the backup secrets, nor the backup namespace
# (helio-backup) the service's. Reviewed quarterly (docs/operations/access-review.md).
locals {
  irsa_roles = {
    external-secrets-reader = { namespace = "helio", service_account = "helio-secrets-reader" }
    backup-secrets-reader   = { namespace = "helio-backup", service_account = "helio-backup-secrets-reader" }
    backup-uploader         = { namespace = "helio-backup", service_account = "helio-backup" }
  }
  # Which Secrets Manager secrets (helio/<name>) each namespace's External Secrets reader may
  # read: the service's and the migration's in helio, the backup user's URL and the backup
  # keys in helio-backup. Never the previous keys kept for old backups.
  secret_readers = {
    external-secrets-reader = ["runtime", "master-keys", "migrate"]
    backup-secrets-reader   = ["backup", "backup-keys"]
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
      values   = ["system:serviceaccount:${each.value.namespace}:${each.value.service_account}"]
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

# External Secrets Operator, one reader per namespace: read its own secrets and decrypt them.
data "aws_iam_policy_document" "secrets_reader" {
  for_each = local.secret_readers
  statement {
    sid       = "ReadItsOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [for name in each.value : aws_secretsmanager_secret.helio[name].arn]
  }
  statement {
    sid       = "DecryptWithTheSecretsKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.secrets.arn]
  }
}

resource "aws_iam_role_policy" "secrets_reader" {
  for_each = local.secret_readers
  name     = "read-its-own-secrets"
  role     = aws_iam_role.irsa[each.key].id
  policy   = data.aws_iam_policy_document.secrets_reader[each.key].json
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
  # The two *-previous secrets hold the keys of before a rotation, for restoring older backups
  # (docs/operations/key-rotation.md); no role above may read them, only operators.
  for_each                = toset(concat(flatten(values(local.secret_readers)), ["master-keys-previous", "backup-keys-previous"]))
  name                    = "helio/${each.key}"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 30
}
