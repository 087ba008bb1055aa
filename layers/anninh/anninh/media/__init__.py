"""Media evidence: attachments fetched safely from Zalo's CDN into the private media bucket."""
