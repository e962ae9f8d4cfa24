"""Lightning callbacks: samples, gradients, inspect images, throughput, time, interruption."""
