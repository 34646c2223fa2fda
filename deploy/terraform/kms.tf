# Customer-managed KMS keys, one per purpose, each rotated yearly. Key policies: the account's
# IAM administrators may manage a key but not use it; use is allowed only through the one AWS
# service the key is for (kms:ViaService) or to that service's principal, in this account.
# IAM policies (iam.tf) then say which role may use which key.
locals {
  kms_keys = {
    eks        = { description = "EKS secrets envelope encryption", via_service = "eks", service_principals = [] }
    rds        = { description = "RDS storage and Performance Insights", via_service = "rds", service_principals = [] }
    secrets    = { description = "Secrets Manager secrets of helio/*", via_service = "secretsmanager", service_principals = [] }
    backup     = { description = "Backup bucket (SSE-KMS)", via_service = "s3", service_principals = [] }
    ecr        = { description = "ECR repository", via_service = "ecr", service_principals = [] }
    logs       = { description = "CloudWatch Logs", via_service = "", service_principals = ["logs.${var.region}.amazonaws.com"] }
    cloudtrail = { description = "CloudTrail log files", via_service = "s3", service_principals = ["cloudtrail.amazonaws.com"] }
    alerts     = { description = "SNS alerts topic", via_service = "sns", service_principals = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "cloudtrail.amazonaws.com"] }
  }

  kms_admin_actions = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
    "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
    "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
  ]
  kms_use_actions = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"]
}

locals {
  kms_policies = { for k, v in local.kms_keys : k => jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "KeyAdministrationNotUse"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = local.kms_admin_actions
        Resource  = "*"
      }],
      v.via_service == "" ? [] : [{
        Sid       = "UseThroughTheServiceOnly"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = local.kms_use_actions
        Resource  = "*"
        Condition = {
          StringEquals = {
            "kms:ViaService"    = "${v.via_service}.${var.region}.amazonaws.com"
            "kms:CallerAccount" = local.account_id
          }
        }
      }],
      length(v.service_principals) == 0 ? [] : [{
        Sid       = "ServicePrincipal"
        Effect    = "Allow"
        Principal = { Service = v.service_principals }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      }],
    )
  }) }
}

resource "aws_kms_key" "eks" {
  description             = "${var.name}: ${local.kms_keys["eks"].description}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = local.kms_policies["eks"]
}

resource "aws_kms_key" "rds" {
  description             = "${var.name}: ${local.kms_keys["rds"].description}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = local.kms_policies["rds"]
}

resource "aws_kms_key" "secrets" {
  description             = "${var.name}: ${local.kms_keys["secrets"].description}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = local.kms_policies["secrets"]
}

resource "aws_kms_key" "backup" {
  description             = "${var.name}: ${local.kms_keys["backup"].description}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = local.kms_policies["backup"]
}

resource "aws_kms_key" "ecr" {
  description             = "${var.name}: ${local.kms_keys["ecr"].description}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = local.kms_policies["ecr"]
}

resource "aws_kms_key" "logs" {
  description             = "${var.name}: ${local.kms_keys["logs"].description}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = local.kms_policies["logs"]
}

resource "aws_kms_key" "cloudtrail" {
  description             = "${var.name}: ${local.kms_keys["cloudtrail"].description}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = local.kms_policies["cloudtrail"]
}

resource "aws_kms_key" "alerts" {
  description             = "${var.name}: ${local.kms_keys["alerts"].description}"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = local.kms_policies["alerts"]
}

locals {
  kms_key_ids = {
    eks        = aws_kms_key.eks.key_id
    rds        = aws_kms_key.rds.key_id
    secrets    = aws_kms_key.secrets.key_id
    backup     = aws_kms_key.backup.key_id
    ecr        = aws_kms_key.ecr.key_id
    logs       = aws_kms_key.logs.key_id
    cloudtrail = aws_kms_key.cloudtrail.key_id
    alerts     = aws_kms_key.alerts.key_id
  }
}

resource "aws_kms_alias" "this" {
  for_each      = local.kms_key_ids
  name          = "alias/${var.name}-${each.key}"
  target_key_id = each.value
}
