# CloudWatch: the application's log group (90 days, docs/policies/log-retention.md), metric
# filters and alarms on its JSON lines mirroring the Prometheus alerts
# (deploy/monitoring/prometheus-rules.yaml, docs/operations/monitoring.md), the events that
# only the log can show (configuration_refused: the process exits before it serves metrics; a
# missing backup_created), RDS audit and health alarms, all to a KMS-encrypted SNS topic.
#
# The cluster's log shipper (Fluent Bit / the CloudWatch Observability add-on) must send the
# helio containers' stdout from both namespaces, helio and helio-backup (backup_created comes
# from the latter), to the log group below, one JSON line per event.
resource "aws_sns_topic" "alerts" {
  name              = "${var.name}-alerts"
  kms_master_key_id = aws_kms_key.alerts.arn
}

data "aws_iam_policy_document" "alerts_topic" {
  statement {
    sid       = "AwsServicesPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts_topic.json
}

resource "aws_sns_topic_subscription" "alerts_email" {
  for_each  = toset(var.alert_emails)
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_log_group" "app" {
  # checkov:skip=CKV_AWS_338: the log retention policy sets 90 days for application logs (docs/policies/log-retention.md, LM-6); the logs hold no personal data and the audit trail, RDS audit log and CloudTrail are kept longer
  name              = "/${var.name}/application"
  retention_in_days = var.app_log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

locals {
  metric_namespace = "Helio"

  # name => filter pattern on the JSON log line, and the alarm on its count.
  log_alarms = {
    configuration-refused = {
      pattern     = "{ $.event = \"configuration_refused\" }"
      description = "A helio process refused its configuration and exited with code 2 (no metrics exist then). docs/operations/monitoring.md, 'Events that are logged but not alerted on here'."
      period      = 300
      evaluations = 1
      threshold   = 0
    }
    credential-stuffing = {
      pattern     = "{ $.event = \"credential_stuffing_suspected\" }"
      description = "HelioCredentialStuffing: one source failed logins to many accounts. docs/operations/monitoring.md#heliocredentialstuffing"
      period      = 600
      evaluations = 1
      threshold   = 0
    }
    break-glass-granted = {
      pattern     = "{ $.event = \"break_glass_approved\" }"
      description = "HelioBreakGlassGranted: an admin approved break-glass access to a customer's record. docs/operations/monitoring.md#heliobreakglassgranted"
      period      = 300
      evaluations = 1
      threshold   = 0
    }
    audit-verification-failed = {
      pattern     = "{ $.event = \"audit_verification_failed\" }"
      description = "HelioAuditVerificationFailed: the audit trail failed verification. docs/operations/monitoring.md#helioauditverificationfailed"
      period      = 300
      evaluations = 1
      threshold   = 0
    }
    failed-login-spike = {
      pattern     = "{ $.event = \"login_failed\" }"
      description = "HelioFailedLoginSpike: more than 30 failed logins a minute for 5 minutes. docs/operations/monitoring.md#heliofailedloginspike"
      period      = 300
      evaluations = 1
      threshold   = 150
    }
    lockout-burst = {
      pattern     = "{ ($.event = \"source_locked\") || ($.event = \"account_source_locked\") }"
      description = "HelioLockoutBurst: more than 10 lockouts in 10 minutes. docs/operations/monitoring.md#heliolockoutburst"
      period      = 600
      evaluations = 1
      threshold   = 10
    }
  }
}

resource "aws_cloudwatch_log_metric_filter" "app" {
  for_each       = local.log_alarms
  name           = "${var.name}-${each.key}"
  log_group_name = aws_cloudwatch_log_group.app.name
  pattern        = each.value.pattern

  metric_transformation {
    name          = each.key
    namespace     = local.metric_namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "app" {
  for_each            = local.log_alarms
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = local.metric_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.app[each.key].metric_transformation[0].name
  statistic           = "Sum"
  period              = each.value.period
  evaluation_periods  = each.value.evaluations
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}

# docs/operations/backup.md: helio-backup-missing fires when a day passes without a
# backup_created line from the backup CronJob.
resource "aws_cloudwatch_log_metric_filter" "backup_created" {
  name           = "${var.name}-backup-created"
  log_group_name = aws_cloudwatch_log_group.app.name
  pattern        = "{ $.event = \"backup_created\" }"

  metric_transformation {
    name      = "backup-created"
    namespace = local.metric_namespace
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "backup_missing" {
  alarm_name          = "${var.name}-backup-missing"
  alarm_description   = "No backup_created event for a day: the daily backup CronJob did not complete. docs/operations/backup.md"
  namespace           = local.metric_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.backup_created.metric_transformation[0].name
  statistic           = "Sum"
  period              = 86400
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

# LM-4: a statement changing the audit trail by any database user. The runtime user is not in
# the audit log (rds.tf) and cannot change the trail anyway; anyone else doing it is an incident
# (docs/operations/monitoring.md#helioauditverificationfailed, step 4).
resource "aws_cloudwatch_log_metric_filter" "db_audit_trail_changed" {
  name           = "${var.name}-db-audit-trail-changed"
  log_group_name = aws_cloudwatch_log_group.rds["audit"].name
  pattern        = "?\"UPDATE audit_trail\" ?\"DELETE FROM audit_trail\" ?\"TRUNCATE audit_trail\" ?\"update audit_trail\" ?\"delete from audit_trail\" ?\"truncate audit_trail\" ?\"DROP TABLE audit_trail\" ?\"drop table audit_trail\""

  metric_transformation {
    name          = "db-audit-trail-changed"
    namespace     = local.metric_namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "db_audit_trail_changed" {
  alarm_name          = "${var.name}-db-audit-trail-changed"
  alarm_description   = "The RDS audit log shows a statement changing audit_trail by a user other than the runtime user."
  namespace           = local.metric_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.db_audit_trail_changed.metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = "${var.name}-rds-cpu-high"
  alarm_description   = "RDS CPU above 80% for 15 minutes (HelioSlowRequests' usual cause)."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  threshold           = 80
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_metric_alarm" "rds_free_storage" {
  alarm_name          = "${var.name}-rds-free-storage-low"
  alarm_description   = "RDS free storage below 10 GiB (storage autoscaling may be at its maximum)."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 10 * 1024 * 1024 * 1024
  comparison_operator = "LessThanThreshold"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}
