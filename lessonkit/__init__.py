"""lessonkit: the small shared module of the course.

It holds what every lesson would otherwise repeat (device choice, data paths and downloads, the
command line, seeding, metrics, figures, evaluation, checkpoints) and nothing that is the subject of
a lesson: models, losses and training loops stay visible in the lessons themselves.
"""

from .cli import make_parser, non_negative_int, positive_float, positive_int, probability, seed_value
from .data import (
    ImageSplits,
    NameSplits,
    data_root,
    download,
    ensure_file,
    extract_archive,
    file_digest,
    gunzip,
    load_bike_sharing,
    load_diabetes,
    load_kaggle_house,
    load_mnist,
    load_names,
    offline,
    read_table,
    verify_file,
)
from .device import available_devices, get_device
from .errors import DataError, DeviceError, LessonError, TrainingDiverged
from .faces import FaceSet, load_att_faces, load_face_folder
from .files import atomic_path, ensure_writable_folder
from .images import image_files, read_grey_image
from .onnxfiles import check_onnx_model
from .plotting import save_figure
from .run import Run, seed_everything, start_run, write_json
from .summary import BlockRow, block_table, count_macs, print_block_table
from .train import (
    accuracy,
    batches,
    check_finite,
    check_state_dict,
    describe_state,
    evaluate,
    load_checkpoint,
    num_batches,
    predict,
    progress,
    save_checkpoint,
)

__all__ = [
    "BlockRow", "DataError", "DeviceError", "FaceSet", "ImageSplits", "LessonError", "NameSplits", "Run",
    "TrainingDiverged", "accuracy", "atomic_path", "available_devices", "batches", "block_table", "check_finite",
    "check_onnx_model", "check_state_dict", "count_macs", "data_root", "describe_state", "download", "ensure_file",
    "ensure_writable_folder", "evaluate", "extract_archive", "file_digest", "get_device", "gunzip", "image_files",
    "load_att_faces", "load_bike_sharing", "load_checkpoint", "load_diabetes", "load_face_folder", "load_kaggle_house",
    "load_mnist", "load_names", "make_parser", "non_negative_int", "num_batches", "offline", "positive_float",
    "positive_int", "predict", "print_block_table", "probability", "progress", "read_grey_image", "read_table",
    "save_checkpoint", "save_figure", "seed_everything", "seed_value", "start_run", "verify_file", "write_json",
]
