import AnchorRT
