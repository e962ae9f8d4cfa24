"""Lightning callbacks: samples, gradients, inspect images, throughput, the time budget,
interruption and the model summary. Configs name each by its module path."""
