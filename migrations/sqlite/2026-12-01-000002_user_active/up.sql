-- A deactivated account cannot log in, and its sessions were ended when it was deactivated.
ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
