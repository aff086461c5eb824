# A multilayer perceptron for 28x28 images: 784-256-256-10 with ReLU.
model mlp {
    input x : f32[1, 784]
    weights "mlp.safetensors"

    layer fc1 = linear(784, 256)
    layer fc2 = linear(256, 256)
    layer fc3 = linear(256, 10)

    output y = fc3(relu(fc2(relu(fc1(x)))))
}
