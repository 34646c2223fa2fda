# RDS MySQL 8: Multi-AZ, encrypted with a customer-managed key, TLS required, audit logging
# (MariaDB audit plugin) and error and slow-query logs exported to CloudWatch, deletion
# protection, 14 days of automated backups, IAM authentication on, not publicly accessible,
# reachable on 3306 only from the EKS nodes' (cluster) security group.
locals {
  db_identifier = "${var.name}-mysql"
  db_log_types  = ["audit", "error", "slowquery"]
}

resource "aws_db_subnet_group" "this" {
  name       = "${var.name}-database"
  subnet_ids = aws_subnet.database[*].id
}

resource "aws_security_group" "rds" {
  name        = "${var.name}-rds"
  description = "MySQL from the EKS nodes and pods only"
  vpc_id      = aws_vpc.this.id
}

resource "aws_vpc_security_group_ingress_rule" "rds_from_nodes" {
  security_group_id            = aws_security_group.rds.id
  description                  = "MySQL from the EKS cluster security group (nodes and pods)"
  referenced_security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_db_parameter_group" "this" {
  name   = "${var.name}-mysql8"
  family = "mysql8.0"

  parameter {
    # RDS's boolean for ON.
    name  = "require_secure_transport"
    value = "1"
  }
  parameter {
    name         = "tls_version"
    value        = "TLSv1.2,TLSv1.3"
    apply_method = "pending-reboot"
  }
  parameter {
    name  = "slow_query_log"
    value = "1"
  }
  parameter {
    name  = "long_query_time"
    value = "1"
  }
  parameter {
    name  = "log_output"
    value = "FILE"
  }
}

resource "aws_db_option_group" "this" {
  name                 = "${var.name}-mysql8-audit"
  engine_name          = "mysql"
  major_engine_version = "8.0"

  option {
    option_name = "MARIADB_AUDIT_PLUGIN"
    option_settings {
      name  = "SERVER_AUDIT_EVENTS"
      value = "CONNECT,QUERY_DDL,QUERY_DCL,QUERY_DML"
    }
    # The runtime user's own statements are the service's traffic; its grants already forbid
    # changing the audit trail (deploy/mysql/grants.sql). Every other user is logged.
    option_settings {
      name  = "SERVER_AUDIT_EXCL_USERS"
      value = var.db_runtime_user
    }
    option_settings {
      name  = "SERVER_AUDIT_FILE_ROTATIONS"
      value = "10"
    }
  }
}

# RDS creates these on first export; created here to set KMS and the one-year retention.
resource "aws_cloudwatch_log_group" "rds" {
  for_each          = toset(local.db_log_types)
  name              = "/aws/rds/instance/${local.db_identifier}/${each.key}"
  retention_in_days = var.audit_log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

data "aws_iam_policy_document" "rds_monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "rds_monitoring" {
  name               = "${var.name}-rds-enhanced-monitoring"
  assume_role_policy = data.aws_iam_policy_document.rds_monitoring_assume.json
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  identifier     = local.db_identifier
  engine         = "mysql"
  engine_version = var.mysql_engine_version
  instance_class = var.db_instance_class
  db_name        = "helio"

  allocated_storage     = var.db_allocated_storage_gib
  max_allocated_storage = var.db_allocated_storage_gib * 4
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.rds.arn

  # The master password is generated and kept by RDS in Secrets Manager, under the secrets
  # key; it is never in this code or its state. Helio's three users come from
  # deploy/mysql/users.sql and grants.sql.
  username                      = "admin"
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.secrets.arn

  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.rds.id]
  publicly_accessible    = false
  ca_cert_identifier     = "rds-ca-rsa2048-g1"
  parameter_group_name   = aws_db_parameter_group.this.name
  option_group_name      = aws_db_option_group.this.name

  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = local.db_log_types

  backup_retention_period   = var.db_backup_retention_days
  backup_window             = "01:00-01:30"
  maintenance_window        = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.db_identifier}-final"

  auto_minor_version_upgrade = true
  apply_immediately          = false

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.rds.arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.rds_monitoring.arn

  depends_on = [aws_cloudwatch_log_group.rds]
}
