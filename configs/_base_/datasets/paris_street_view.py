# Paris StreetView (Pathak et al., CVPR 2016), official split: 14,900
# training images (paris_train_original, 936x537) and 100 evaluation images
# (paris_eval_gt, 227x227). Lists: tools/dataset_converters/folder_to_list.py
_base_ = ['./image_folder.py']

data_root = 'data/paris_street_view'
train_dataloader = dict(
    dataset=dict(
        data_root=data_root, data_prefix=dict(gt='paris_train_original')))
val_dataloader = dict(
    dataset=dict(data_root=data_root, data_prefix=dict(gt='paris_eval_gt')))
test_dataloader = val_dataloader
