# std.nn — basic layers, written in the language itself.  Always imported.
# Parameter names and shapes follow PyTorch's modules, so a state_dict loads
# as it is.  Activations are channels-last: [batch, ..., channels].

# nn.Linear(cin, cout): y = x @ weight^T + bias over the last axis.
module linear(cin: int, cout: int) {
    param weight : f32[cout, cin]
    param bias   : f32[cout]
    forward(x : f32[..., cin]) -> f32[..., cout] {
        return x @ transpose(weight) + bias
    }
}

# nn.Conv2d(cin, cout, 1) on [B, H, W, cin]: a per-pixel channel mix.
module conv1x1(cin: int, cout: int) {
    param weight : f32[cout, cin, 1, 1]
    param bias   : f32[cout]
    forward(x : f32[B, H, W, cin]) -> f32[B, H, W, cout] {
        return x @ transpose(reshape(weight, [cout, cin])) + bias
    }
}

# nn.Conv1d(cin, cout, 1) on [B, L, cin].
module conv1x1_1d(cin: int, cout: int) {
    param weight : f32[cout, cin, 1]
    param bias   : f32[cout]
    forward(x : f32[B, L, cin]) -> f32[B, L, cout] {
        return x @ transpose(reshape(weight, [cout, cin])) + bias
    }
}

# nn.Conv1d(cin, cout, k, ...) on [B, L, cin].
module conv1d(cin: int, cout: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1, groups: int = 1) {
    param weight : f32[cout, cin / groups, k]
    param bias   : f32[cout]
    forward(x : f32[B, L, cin]) {
        return conv1d(x, weight, stride = stride, padding = padding, dilation = dilation, groups = groups) + bias
    }
}

# nn.Conv2d(cin, cout, k, ...) on [B, H, W, cin].
module conv2d(cin: int, cout: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1, groups: int = 1) {
    param weight : f32[cout, cin / groups, k, k]
    param bias   : f32[cout]
    forward(x : f32[B, H, W, cin]) {
        return conv2d(x, weight, stride = stride, padding = padding, dilation = dilation, groups = groups) + bias
    }
}

# Two linear layers with GELU between them (the FNO projection head).
module mlp(cin: int, hidden: int, cout: int) {
    layer fc1 = linear(cin, hidden)
    layer fc2 = linear(hidden, cout)
    forward(x : f32[..., cin]) -> f32[..., cout] {
        return fc2(gelu(fc1(x)))
    }
}

# nn.LayerNorm(n): normalize the last axis, then scale and shift.
module layer_norm(n: int, eps: float = 0.00001) {
    param weight : f32[n]
    param bias   : f32[n]
    forward(x : f32[..., n]) -> f32[..., n] {
        return layer_norm(x, axis = -1, eps = eps) * weight + bias
    }
}

# x + fc2(relu(fc1(x))): a residual block of width channels.
module residual_block(width: int) {
    layer fc1 = linear(width, width)
    layer fc2 = linear(width, width)
    forward(x : f32[..., width]) -> f32[..., width] {
        return x + fc2(relu(fc1(x)))
    }
}
