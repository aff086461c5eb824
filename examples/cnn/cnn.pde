# A small convolutional network for 28x28 images: two 3x3 conv layers with
# ReLU and 2x2 max pooling, then two dense layers.  Channels-last.
model cnn {
    input x : f32[1, 28, 28, 1]
    weights "cnn.npz"

    layer conv1 = conv2d(1, 16, 3, padding = 1)
    layer conv2 = conv2d(16, 32, 3, padding = 1)
    layer fc1   = linear(7 * 7 * 32, 128)
    layer fc2   = linear(128, 10)

    h = maxpool2d(relu(conv1(x)), kernel = 2)      # [1, 14, 14, 16]
    h = maxpool2d(relu(conv2(h)), kernel = 2)      # [1, 7, 7, 32]
    h = reshape(h, [1, -1])                        # flattened in HWC order
    output y = fc2(relu(fc1(h)))
}
