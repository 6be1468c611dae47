"""QObject bridges: each owns the tasks of one service and turns its state into signals."""
