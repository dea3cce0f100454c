#!/bin/sh
# A stand-in for `python train.py` in the examples: three short "epochs" on stdout.
for epoch in 1 2 3; do
  echo "epoch $epoch loss 0.$((4 - epoch))"
  sleep 0.2
done
echo "saved model.ckpt" >&2
