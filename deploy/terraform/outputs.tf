# The values deploy/k8s/overlays/aws needs (its OPERATOR placeholders), and the operator's.
output "acm_certificate_arn" {
  description = "Ingress annotation alb.ingress.kubernetes.io/certificate-arn."
  value       = aws_acm_certificate.this.arn
}

output "acm_certificate_validation_records" {
  description = "DNS records that validate the certificate."
  value       = aws_acm_certificate.this.domain_validation_options
}

output "waf_web_acl_arn" {
  description = "Ingress annotation alb.ingress.kubernetes.io/wafv2-acl-arn."
  value       = aws_wafv2_web_acl.this.arn
}

output "irsa_role_arns" {
  description = "eks.amazonaws.com/role-arn of the service accounts helio-secrets-reader (namespace helio), helio-backup-secrets-reader and helio-backup (namespace helio-backup)."
  value       = { for k, role in aws_iam_role.irsa : k => role.arn }
}

output "backup_bucket" {
  description = "BACKUP_BUCKET of the backup CronJob."
  value       = aws_s3_bucket.backups.id
}

output "backup_kms_key_arn" {
  description = "BACKUP_KMS_KEY_ARN of the backup CronJob."
  value       = aws_kms_key.backup.arn
}

output "ecr_repository_url" {
  description = "Where release images are pushed (the overlay's helio image newName)."
  value       = aws_ecr_repository.helio.repository_url
}

output "eks_cluster_name" {
  value = aws_eks_cluster.this.name
}

output "rds_endpoint" {
  description = "Host of the database URLs kept in Secrets Manager (helio/runtime, helio/migrate, helio/backup)."
  value       = aws_db_instance.this.address
}

output "app_log_group" {
  description = "Where the log shipper must send helio's stdout."
  value       = aws_cloudwatch_log_group.app.name
}

output "alerts_topic_arn" {
  value = aws_sns_topic.alerts.arn
}
