"""Data access: the only code that talks to DynamoDB, S3, SQS, SNS and IoT. One module per entity."""
