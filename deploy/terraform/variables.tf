variable "region" {
  description = "AWS region for everything."
  type        = string
  default     = "eu-west-1"
}

variable "availability_zones" {
  description = "The three availability zones used (named, so the set never grows by itself)."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "helio"
}

variable "domain_name" {
  description = "The public host name (server.public_url); the ACM certificate is issued for it."
  type        = string
  default     = "helio.example.com"
}

# The CIDRs below are mirrored in deploy/k8s/overlays/aws (NetworkPolicies and
# HELIO_SERVER_TRUSTED_PROXIES): change both together.
variable "vpc_cidr" {
  description = "The VPC's address range."
  type        = string
  default     = "10.40.0.0/16"
}

variable "private_subnet_cidrs" {
  description = "Private subnets for the EKS nodes and pods and the VPC interface endpoints, one per AZ."
  type        = list(string)
  default     = ["10.40.0.0/20", "10.40.16.0/20", "10.40.32.0/20"]
}

variable "database_subnet_cidrs" {
  description = "Private subnets for RDS only (no route to the internet), one per AZ."
  type        = list(string)
  default     = ["10.40.64.0/24", "10.40.65.0/24", "10.40.66.0/24"]
}

variable "public_subnet_cidrs" {
  description = "Public subnets, for the internet-facing ALB and the NAT gateways only, one per AZ."
  type        = list(string)
  default     = ["10.40.96.0/24", "10.40.97.0/24", "10.40.98.0/24"]
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version (deploy/checks/run validates manifests against the same)."
  type        = string
  default     = "1.34"
}

variable "node_instance_types" {
  description = "Instance types of the managed node group."
  type        = list(string)
  default     = ["m7i.large"]
}

variable "node_count" {
  description = "Desired, minimum and maximum node counts."
  type        = object({ desired = number, min = number, max = number })
  default     = { desired = 3, min = 3, max = 9 }
}

variable "engineer_role_arn" {
  description = "IAM role (SSO permission set) of engineers; mapped to the Kubernetes group helio:engineers (read-only, deploy/k8s/base/rbac.yaml). Empty: no access entry."
  type        = string
  default     = ""
}

variable "deployer_role_arn" {
  description = "IAM role assumed by CI's deploy step; mapped to the Kubernetes group helio:deployers. Empty: no access entry."
  type        = string
  default     = ""
}

variable "mysql_engine_version" {
  description = "RDS MySQL 8 engine version (minor upgrades are automatic)."
  type        = string
  default     = "8.0"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.r6g.large"
}

variable "db_allocated_storage_gib" {
  description = "Initial RDS storage; autoscaling may grow it to four times this."
  type        = number
  default     = 100
}

variable "db_runtime_user" {
  description = "The runtime database user (deploy/mysql/users.sql @APP@). Its own statements are kept out of the RDS audit log (its grants forbid changing the audit trail); every other user's are logged."
  type        = string
  default     = "helio_app"
}

variable "db_backup_retention_days" {
  description = "RDS automated backup retention (docs/operations/backup.md: 14 days)."
  type        = number
  default     = 14
}

variable "app_log_retention_days" {
  description = "Application log retention (docs/policies/log-retention.md: 90 days)."
  type        = number
  default     = 90
}

variable "audit_log_retention_days" {
  description = "Database audit log, CloudTrail, VPC flow log and control-plane log retention (docs/policies/log-retention.md: 1 year)."
  type        = number
  default     = 365
}

variable "backup_lock_days" {
  description = "Object lock (compliance mode) on every backup file (docs/operations/backup.md: 35 days)."
  type        = number
  default     = 35
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes from one address before the WAF blocks it."
  type        = number
  default     = 2000
}

variable "waf_login_rate_limit" {
  description = "Requests per 5 minutes from one address to /login and /api/v1/sessions before the WAF blocks it."
  type        = number
  default     = 100
}

variable "alert_emails" {
  description = "Addresses subscribed to the alerts topic (each must confirm)."
  type        = list(string)
  default     = []
}
