"""PyTorch definitions of the networks arcface exports to TorchScript.

Each class reproduces the module names of the upstream checkpoint it loads, so that
``load_state_dict(strict=True)`` succeeds:

* ``MobileFaceNet``  - Xiaoccer/MobileFaceNet_Pytorch (CASIA-WebFace, ArcFace loss), input 112x96.
* ``IR50``           - face.evoLVe ``backbone/model_irse.py`` ``IR_50([112, 112])``.
* ``PNet/RNet/ONet`` - face.evoLVe ``applications/align`` MTCNN (Caffe weights converted to PyTorch).

These definitions are used only at model-preparation time (and by the Python-eager baseline of
the benchmarks); inference runs from C++ on the exported TorchScript.
"""
from collections import OrderedDict
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------- MobileFaceNet
class ConvBlock(nn.Module):
    """conv (no bias) + BN (+ PReLU unless ``linear``)."""

    def __init__(self, inp, oup, k, s, p, dw=False, linear=False):
        super().__init__()
        self.conv = nn.Conv2d(inp, oup, k, s, p, groups=inp if dw else 1, bias=False)
        self.bn = nn.BatchNorm2d(oup)
        self.prelu = nn.Identity() if linear else nn.PReLU(oup)

    def forward(self, x):
        return self.prelu(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, inp, oup, stride, expansion):
        super().__init__()
        self.connect = stride == 1 and inp == oup
        hidden = inp * expansion
        self.conv = nn.Sequential(
            nn.Conv2d(inp, hidden, 1, 1, 0, bias=False),
            nn.BatchNorm2d(hidden),
            nn.PReLU(hidden),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.PReLU(hidden),
            nn.Conv2d(hidden, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup),
        )

    def forward(self, x):
        if self.connect:
            return x + self.conv(x)
        return self.conv(x)


MOBILEFACENET_SETTING = [(2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1)]


class MobileFaceNet(nn.Module):
    """Input N x 3 x 112 x 96 (RGB, (x-127.5)/128); output N x 128 (not normalised)."""

    def __init__(self, embedding_size=128):
        super().__init__()
        self.conv1 = ConvBlock(3, 64, 3, 2, 1)
        self.dw_conv1 = ConvBlock(64, 64, 3, 1, 1, dw=True)
        layers = []
        inp = 64
        for t, c, n, s in MOBILEFACENET_SETTING:
            for i in range(n):
                layers.append(Bottleneck(inp, c, s if i == 0 else 1, t))
                inp = c
        self.blocks = nn.Sequential(*layers)
        self.conv2 = ConvBlock(128, 512, 1, 1, 0)
        self.linear7 = ConvBlock(512, 512, (7, 6), 1, 0, dw=True, linear=True)
        self.linear1 = ConvBlock(512, embedding_size, 1, 1, 0, linear=True)

    def forward(self, x):
        x = self.conv1(x)
        x = self.dw_conv1(x)
        x = self.blocks(x)
        x = self.conv2(x)
        x = self.linear7(x)
        x = self.linear1(x)
        return x.reshape(x.size(0), -1)


# ----------------------------------------------------------------------------- IR-50
class BottleneckIR(nn.Module):
    def __init__(self, in_channel, depth, stride):
        super().__init__()
        if in_channel == depth:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(
                nn.Conv2d(in_channel, depth, (1, 1), stride, bias=False), nn.BatchNorm2d(depth))
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_channel),
            nn.Conv2d(in_channel, depth, (3, 3), (1, 1), 1, bias=False),
            nn.PReLU(depth),
            nn.Conv2d(depth, depth, (3, 3), stride, 1, bias=False),
            nn.BatchNorm2d(depth),
        )

    def forward(self, x):
        return self.res_layer(x) + self.shortcut_layer(x)


class Flatten(nn.Module):
    def forward(self, x):
        return x.reshape(x.size(0), -1)


IR50_STAGES = [(64, 64, 3), (64, 128, 4), (128, 256, 14), (256, 512, 3)]


class IR50(nn.Module):
    """face.evoLVe IR_50([112,112]). Input N x 3 x 112 x 112 (RGB, (x-127.5)/128); output N x 512."""

    def __init__(self):
        super().__init__()
        self.input_layer = nn.Sequential(
            nn.Conv2d(3, 64, (3, 3), 1, 1, bias=False), nn.BatchNorm2d(64), nn.PReLU(64))
        self.output_layer = nn.Sequential(
            nn.BatchNorm2d(512), nn.Dropout(), Flatten(), nn.Linear(512 * 7 * 7, 512), nn.BatchNorm1d(512))
        units = []
        for in_c, depth, n in IR50_STAGES:
            units.append(BottleneckIR(in_c, depth, 2))
            units.extend(BottleneckIR(depth, depth, 1) for _ in range(n - 1))
        self.body = nn.Sequential(*units)

    def forward(self, x):
        return self.output_layer(self.body(self.input_layer(x)))


# ----------------------------------------------------------------------------- MTCNN
class CaffeFlatten(nn.Module):
    """The converted Caffe weights expect the H and W axes swapped before flattening."""

    def forward(self, x):
        return x.transpose(3, 2).contiguous().reshape(x.size(0), -1)


class PNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, 10, 3, 1)), ("prelu1", nn.PReLU(10)),
            ("pool1", nn.MaxPool2d(2, 2, ceil_mode=True)),
            ("conv2", nn.Conv2d(10, 16, 3, 1)), ("prelu2", nn.PReLU(16)),
            ("conv3", nn.Conv2d(16, 32, 3, 1)), ("prelu3", nn.PReLU(32)),
        ]))
        self.conv4_1 = nn.Conv2d(32, 2, 1, 1)
        self.conv4_2 = nn.Conv2d(32, 4, 1, 1)

    def forward(self, x) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns (box offsets N x 4 x h x w, face probability N x h x w)."""
        x = self.features(x)
        probs = F.softmax(self.conv4_1(x), dim=1)
        return self.conv4_2(x), probs[:, 1]


class RNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, 28, 3, 1)), ("prelu1", nn.PReLU(28)),
            ("pool1", nn.MaxPool2d(3, 2, ceil_mode=True)),
            ("conv2", nn.Conv2d(28, 48, 3, 1)), ("prelu2", nn.PReLU(48)),
            ("pool2", nn.MaxPool2d(3, 2, ceil_mode=True)),
            ("conv3", nn.Conv2d(48, 64, 2, 1)), ("prelu3", nn.PReLU(64)),
            ("flatten", CaffeFlatten()),
            ("conv4", nn.Linear(576, 128)), ("prelu4", nn.PReLU(128)),
        ]))
        self.conv5_1 = nn.Linear(128, 2)
        self.conv5_2 = nn.Linear(128, 4)

    def forward(self, x) -> Tuple[torch.Tensor, torch.Tensor]:
        """Input N x 3 x 24 x 24. Returns (offsets N x 4, face probability N)."""
        x = self.features(x)
        probs = F.softmax(self.conv5_1(x), dim=1)
        return self.conv5_2(x), probs[:, 1]


class ONet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, 32, 3, 1)), ("prelu1", nn.PReLU(32)),
            ("pool1", nn.MaxPool2d(3, 2, ceil_mode=True)),
            ("conv2", nn.Conv2d(32, 64, 3, 1)), ("prelu2", nn.PReLU(64)),
            ("pool2", nn.MaxPool2d(3, 2, ceil_mode=True)),
            ("conv3", nn.Conv2d(64, 64, 3, 1)), ("prelu3", nn.PReLU(64)),
            ("pool3", nn.MaxPool2d(2, 2, ceil_mode=True)),
            ("conv4", nn.Conv2d(64, 128, 2, 1)), ("prelu4", nn.PReLU(128)),
            ("flatten", CaffeFlatten()),
            ("conv5", nn.Linear(1152, 256)), ("drop5", nn.Dropout(0.25)), ("prelu5", nn.PReLU(256)),
        ]))
        self.conv6_1 = nn.Linear(256, 2)
        self.conv6_2 = nn.Linear(256, 4)
        self.conv6_3 = nn.Linear(256, 10)

    def forward(self, x) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Input N x 3 x 48 x 48. Returns (landmarks N x 10 as x1..x5,y1..y5 in box units, offsets N x 4, prob N)."""
        x = self.features(x)
        probs = F.softmax(self.conv6_1(x), dim=1)
        return self.conv6_3(x), self.conv6_2(x), probs[:, 1]


class MTCNN(nn.Module):
    """The three MTCNN stages in one TorchScript file; each stage is an exported method."""

    def __init__(self):
        super().__init__()
        self.pnet = PNet()
        self.rnet = RNet()
        self.onet = ONet()

    def forward(self, x):
        return self.pnet(x)

    @torch.jit.export
    def run_pnet(self, x) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.pnet(x)

    @torch.jit.export
    def run_rnet(self, x) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.rnet(x)

    @torch.jit.export
    def run_onet(self, x) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.onet(x)


class TFLiteMTCNN(nn.Module):
    """MTCNN from three converted TFLite graphs (P-, R-, O-Net, NHWC outputs), with the interface of
    ``MTCNN`` above. These graphs (facenet's TensorFlow port of the Caffe MTCNN) expect the image
    transposed (rows and columns swapped); with that they reproduce face.evoLVe's networks to 1e-6."""

    def __init__(self, pnet: nn.Module, rnet: nn.Module, onet: nn.Module):
        super().__init__()
        self.pnet = pnet
        self.rnet = rnet
        self.onet = onet

    def forward(self, x):
        return self.run_pnet(x)

    @torch.jit.export
    def run_pnet(self, x) -> Tuple[torch.Tensor, torch.Tensor]:
        prob, reg = self.pnet(x.transpose(2, 3))        # N x w x h x 2, N x w x h x 4
        return reg.permute(0, 3, 2, 1), prob[:, :, :, 1].transpose(1, 2)

    @torch.jit.export
    def run_rnet(self, x) -> Tuple[torch.Tensor, torch.Tensor]:
        prob, reg = self.rnet(x.transpose(2, 3))
        return reg, prob[:, 1]

    @torch.jit.export
    def run_onet(self, x) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        prob, reg, landmarks = self.onet(x.transpose(2, 3))
        return landmarks, reg, prob[:, 1]
