"""Vehicles: NanoDet detector (LiteRT), IoU tracker and polygon zones."""
