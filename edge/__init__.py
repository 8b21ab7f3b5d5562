"""The emulated CloudFront distribution (``python -m edge``); see edge/README.md."""
