# The embedded real-photo dataset (no download): crops of photos shipped by
# scikit-image, scikit-learn and matplotlib, written by
#   python tools/dataset_converters/embedded_photos.py --out data/embedded_128
# Whole photos are held out for val. Model configs add the pipelines.
_base_ = ['./image_folder.py']

data_root = 'data/embedded_128'
train_dataloader = dict(num_workers=2, dataset=dict(data_root=data_root))
val_dataloader = dict(num_workers=2, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
