"""What runs show: TensorBoard writers, Markdown tables, matplotlib figures."""
