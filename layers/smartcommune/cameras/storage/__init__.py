"""The cameras' AWS code: table items, the camera bucket (presigned uploads, snapshots, retention), commands."""
