# A library file: a module, no model.
module scale(n: int) {
    param scale : f32[n]
    forward(x : f32[..., n]) -> f32[..., n] {
        return x * scale
    }
}
