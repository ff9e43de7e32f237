"""The local vision engine: OpenCV DNN adapters that run the packaged models on the CPU (cv2 and numpy only here).

Nothing in this package is imported by ``vision.contracts``, ``vision.logic`` or at the import of
``vision.wiring``: a Lambda that never analyses an image never loads cv2.
"""
